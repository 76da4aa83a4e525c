"""Evidence: data-use requests, their approval, and signed exports of recorded footage."""

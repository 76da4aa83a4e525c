"""The camera registry: agencies, cameras, their credentials, bulk import and export."""

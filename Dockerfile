# One image for the server and the camera simulator. The wheels of av (PyAV) and aiortc carry
# their own FFmpeg and codecs, so no Debian media packages are needed at run time.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY vms ./vms
COPY ingest ./ingest
COPY relay ./relay
COPY camsim ./camsim
COPY webui ./webui
COPY configs ./configs
RUN pip install --no-cache-dir .
EXPOSE 8080
CMD ["vms", "serve", "--host", "0.0.0.0", "--port", "8080"]

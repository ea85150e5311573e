# The openmsistream command in a container (not built here: the development machines have no Docker
# engine; see README "Running as a service").
#   docker build -t openmsistream .
#   docker run --rm -v /data:/data -v /etc/openmsistream:/config:ro -e KAFKA_PASSWORD \
#     openmsistream upload-directory /data --topic lab --config /config/lab.config --program-id xrd-pc --heartbeat-topic heartbeats
# The container's main process is the command itself: `docker stop` sends SIGTERM, which stops it
# gracefully (producer flushed, state saved, offsets committed); give it time with --time 90.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/OpenMsiStream.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
# Not root: a user of its own; state, status files and logs go to /var/lib/openmsistream (a volume).
RUN useradd --system --home-dir /var/lib/openmsistream --create-home openmsistream
USER openmsistream
ENV OPENMSISTREAM_HOME=/var/lib/openmsistream
VOLUME ["/var/lib/openmsistream"]
ENTRYPOINT ["/app/openmsistream"]
CMD ["--help"]

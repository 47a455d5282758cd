# syntax=docker/dockerfile:1
# `sd serve` as a container: the HTTP APIs, the web page, /health, /ready and /metrics on port 7860.
#
#   docker build -t latentsharp .
#   docker run --rm -p 7860:7860 latentsharp                                   # the shipped shapes model
#   docker run --rm -p 7860:7860 -v /srv/models/my-sd15:/models/my-sd15:ro -e LATENTSHARP_MODEL=/models/my-sd15 latentsharp
#   docker build --build-arg MODEL=path/in/context --build-arg MODEL_NAME=mine -t latentsharp-mine .   # bake yours in
#
# See docs/deploy.md for replicas, probes and metrics. LibTorch is CPU-only here (TorchSharp-cpu).

# ---- build: the SDK publishes the `sd` command (framework-dependent, linux-x64) -------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so a source change does not download packages again.
COPY Directory.Build.props Directory.Build.targets ./
COPY build/ build/
COPY src/LatentSharp/LatentSharp.csproj src/LatentSharp/
COPY src/LatentSharp.Server/LatentSharp.Server.csproj src/LatentSharp.Server/
COPY src/LatentSharp.Cli/LatentSharp.Cli.csproj src/LatentSharp.Cli/
RUN dotnet restore src/LatentSharp.Cli/LatentSharp.Cli.csproj
COPY src/ src/
# The .NET 10 images are Ubuntu 24.04, whose libstdc++ is new enough for TorchSharp: the Debian 12 native fix
# (build/TorchSharpNativeFix.targets) detects that and does nothing, so no C++ compiler is needed here.
RUN dotnet publish src/LatentSharp.Cli/LatentSharp.Cli.csproj -c Release --no-restore -o /app --nologo

# ---- runtime: ASP.NET's runtime image, no SDK, non-root ---------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The model baked in at /models/NAME (a diffusers folder; the 16 MB shipped one unless MODEL says otherwise; the
# folder's name is the model's name in the APIs). A mounted folder named by $LATENTSHARP_MODEL or --model replaces it.
ARG MODEL=models/shapes
ARG MODEL_NAME=shapes
COPY ${MODEL} /models/${MODEL_NAME}
# Hugging Face cache (for --model org/name): mount a volume here to keep downloads across restarts.
RUN mkdir -p /data/huggingface && chown "$APP_UID:$APP_UID" /data/huggingface
# sd serve chooses its own address (--host/--port); the empty ASPNETCORE_HTTP_PORTS keeps Kestrel from warning
# that it overrides the image's port 8080.
ENV LATENTSHARP_MODEL=/models/${MODEL_NAME} \
    HF_HOME=/data/huggingface \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
COPY --from=build /app /app
WORKDIR /app
# The image's own unprivileged user ("app", UID 1654).
USER $APP_UID
EXPOSE 7860
# SIGTERM (docker stop, Kubernetes) drains: new jobs get 503 + Retry-After, the running job gets 25 s to finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/sd.dll"]
CMD ["serve", "--host", "0.0.0.0", "--port", "7860"]

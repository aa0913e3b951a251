# The portal's image: the same code runs as web (gunicorn) or worker (celery); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Exactly the lock's versions, each checked against its hash (README, "Dependencies"); the
# code runs from /app, as in a checkout.
COPY requirements/production.txt requirements/production.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/production.txt

COPY manage.py ./
COPY cvms cvms
COPY providers providers
COPY recipients recipients
COPY bulkupload bulkupload
COPY helpdesk helpdesk
COPY portal portal
COPY audit audit
COPY outbox outbox
COPY templates templates
COPY static static
# collectstatic needs settings that import without production secrets; it only reads files.
# The SMART Health Card key the settings ask for is a throwaway made here and deleted: the
# real one is mounted at run time (docker-compose.yml), never baked into the image.
RUN python -c "import sys; from jwcrypto import jwk; sys.stdout.buffer.write(jwk.JWK.generate(\
kty='EC', crv='P-256').export_to_pem(private_key=True, password=None))" >/tmp/build-only-shc-key.pem \
    && DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost EMAIL_URL=dummymail:// \
    SINGLE_MACHINE=true SHC_PRIVATE_KEY_FILE=/tmp/build-only-shc-key.pem \
    python manage.py collectstatic --noinput \
    && rm /tmp/build-only-shc-key.pem

RUN useradd --system --uid 1000 cvms && mkdir -p var && chown -R cvms var
USER cvms
EXPOSE 8000
# cvms/gunicorn.py: the access log keeps no query string ("Search this list" puts names in
# them) and no set-up or reset token. Migrations are a job of their own (docker-compose.yml).
CMD ["gunicorn", "-c", "python:cvms.gunicorn", "--bind", "0.0.0.0:8000", "cvms.wsgi"]

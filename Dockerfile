FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# gettext: msgfmt compiles the English catalogue (locale/en) at build time.
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The English catalogue, compiled with msgfmt alone (no settings are needed at build time).
RUN for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check -o "${po%.po}.mo" "$po"; done
EXPOSE 8000
# The same command as compose's web service: deploy/run (migrate, collectstatic, gunicorn with
# deploy/gunicorn.conf.py, where the timeout lives). Settings come from the environment at run
# time; without them the process refuses to start and says what is missing.
CMD ["sh", "deploy/run", "web"]

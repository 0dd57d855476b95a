FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
# The same command as compose's web service: deploy/run (migrate, collectstatic, gunicorn with
# deploy/gunicorn.conf.py, where the timeout lives). Settings come from the environment at run
# time; without them the process refuses to start and says what is missing.
CMD ["sh", "deploy/run", "web"]

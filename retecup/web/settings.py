"""Settings of the pages, read from `RETECUP_WEB_*` environment variables."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETECUP_WEB_")

    # Until an SMS gateway exists (the reminders issue brings one), the only
    # way to receive a one-time code is to see it: in demo mode the page shows
    # it, marked DEMO, and lists the synthetic patients one can sign in as.
    demo: bool = True
    session_hours: int = 8
    code_minutes: int = 10
    code_attempts: int = 5
    codes_per_hour: int = 5
    # Behind TLS set this, so the browser never sends the cookie in clear.
    cookie_secure: bool = False


@lru_cache
def get_web_settings() -> WebSettings:
    return WebSettings()

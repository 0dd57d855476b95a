"""A Redis cache that degrades to "no cache" while Redis is down, instead of failing requests.

Nothing this portal keeps in the cache is a source of truth (throttle counters, computed
pages), so a miss is always a correct answer; a failure is logged once per call.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _forgiving(name: str, fallback: object) -> Callable[..., Any]:
    def method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(super(ForgivingRedisCache, self), name)(*args, **kwargs)
        except _DOWN as exc:
            logger.warning("cache unavailable, %s skipped: %r", name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


def _default(key: str, default: object = None, *args: object, **kwargs: object) -> object:
    return default


def _incr(key: str, delta: int = 1, *args: object, **kwargs: object) -> int:
    return delta  # the first hit of a counter that cannot be stored


class ForgivingRedisCache(RedisCache):
    get = _forgiving("get", _default)
    set = _forgiving("set", None)
    add = _forgiving("add", True)
    touch = _forgiving("touch", False)
    delete = _forgiving("delete", False)
    incr = _forgiving("incr", _incr)
    has_key = _forgiving("has_key", False)
    get_many = _forgiving("get_many", {})
    set_many = _forgiving("set_many", [])
    delete_many = _forgiving("delete_many", None)
    clear = _forgiving("clear", None)

"""The production channel layer: channels-redis, with a connection pool that waits when full.

channels-redis builds a plain `ConnectionPool`, which under redis-py 8 refuses the 101st
connection ("Too many connections") and under older versions has no bound at all. In a
reconnect storm (hundreds of sockets joining and leaving groups at once) the first refused
handshakes, the second opened a Redis connection per socket. A `BlockingConnectionPool` keeps a
bounded set of connections and makes a burst wait its turn for a moment instead.
"""

from __future__ import annotations

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(BaseRedisChannelLayer):
    def create_pool(self, index):
        host = dict(self.hosts[index])
        if "address" not in host:  # sentinels or host/port: as channels-redis does it
            return super().create_pool(index)
        return BlockingConnectionPool.from_url(host.pop("address"), **host)

"""Who the api is on the wire: the producer name of every event it publishes."""

from typing import Final

PRODUCER: Final = "api"

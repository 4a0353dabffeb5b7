"""Arcadia's published event contract: envelope, event types per topic, topic names."""

from arcadia_contracts.codec import DecodeFailure, EventDecodeError, decode, encode
from arcadia_contracts.envelope import Envelope, Event, envelope

__all__ = ["DecodeFailure", "Envelope", "Event", "EventDecodeError", "decode", "encode", "envelope"]

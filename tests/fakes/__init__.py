"""Loopback fakes of the outside services (OpenAI), speaking their real wire protocols for tests."""

from tests.fakes.openai_server import FakeOpenAI, Faults, RequestRecord

__all__ = ["FakeOpenAI", "Faults", "RequestRecord"]

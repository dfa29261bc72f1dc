"""swimcore: cluster membership with SWIM and Lifeguard for asyncio,
backed by swim's C++ core through its C ABI.

The API follows swim-protocol's (``UdpConfig``, ``UdpTransport``,
``Members``, ``Status``, ``members.listener.on_notify``); see README.md,
"Python", for the differences.
"""

from ._native import (AlreadyExists, Confirmation, Event,
                      FailedPrecondition, InvalidArgument, MemberInfo,
                      NotFound, OutOfRange, SwimError, Verdict,
                      library_version)
from .config import BaseConfig, ConfigError, InsecureWarning
from .listener import Listener
from .members import Member, Members, Message
from .status import Status
from .udp import UdpConfig, UdpTransport
from .worker import Worker

__version__ = library_version()

__all__ = [
    'AlreadyExists', 'BaseConfig', 'ConfigError', 'Confirmation', 'Event',
    'FailedPrecondition', 'InsecureWarning', 'InvalidArgument', 'Listener',
    'Member', 'MemberInfo', 'Members', 'Message', 'NotFound', 'OutOfRange',
    'Status', 'SwimError', 'UdpConfig', 'UdpTransport', 'Verdict', 'Worker',
    '__version__',
]

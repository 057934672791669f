"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from database.models.auth import ApiKey, User
from database.models.base import Base
from database.models.calendar import CalendarDay, CalendarYear
from database.models.execution import StrategyExecution
from database.models.lease import HostLease
from database.models.market import MarketCandle, MasterContractStatus, MasterContractSymbol
from database.models.orders import OrderJournalEntry
from database.models.sandbox import SandboxAccount, SandboxOrder, SandboxPosition, SandboxTrade
from database.models.schedule import PythonStrategySchedule
from database.models.strategy import PythonStrategy, PythonStrategyVariable
from database.models.trading import SymbolMapping, TradingStrategy
from database.models.webhook import WebhookDedupeKey, WebhookDelivery

__all__ = [
    "ApiKey",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "HostLease",
    "MarketCandle",
    "MasterContractStatus",
    "MasterContractSymbol",
    "OrderJournalEntry",
    "PythonStrategy",
    "PythonStrategySchedule",
    "PythonStrategyVariable",
    "SandboxAccount",
    "SandboxOrder",
    "SandboxPosition",
    "SandboxTrade",
    "StrategyExecution",
    "SymbolMapping",
    "TradingStrategy",
    "User",
    "WebhookDedupeKey",
    "WebhookDelivery",
]

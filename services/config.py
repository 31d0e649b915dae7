"""One typed Settings object for the whole system; environment prefix ``GONGWEN_``, nested with ``__``."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret-change-me"
ENVIRONMENTS = ("development", "test", "production")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ApiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address the API and web pages listen on.")
    port: int = Field(8000, description="Port the API and web pages listen on.")
    token_hours: int = Field(12, description="Lifetime of a login token, in hours.")
    workers: int = Field(2, ge=1, le=64, description="API server processes (pages and API are CPU-bound Python).")
    keep_alive_seconds: int = Field(
        65,
        gt=0,
        le=600,
        description="How long an idle connection stays open. Longer than a client's or proxy's own idle limit, so "
        "the server never closes a connection at the moment the client reuses it (uvicorn's 5 s did under load).",
    )
    worker_healthcheck_seconds: int = Field(
        60,
        ge=5,
        le=600,
        description="How long an API process may take to answer its server's health check before it is killed and "
        "started again. A process answers only once it has imported the command it was started from; uvicorn's "
        "5 s killed every process still starting on a loaded machine, again and again.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies in front of the API: only from them is "
        "X-Forwarded-For believed, and the client is the last address in it that is not one of them. Empty: the "
        "peer's own address is the client's (login throttling counts per client address).",
    )
    threads: int = Field(
        4,
        ge=1,
        le=256,
        description="Requests one API process works on at once; the rest wait their turn. Pages hold the GIL, so "
        "more threads only make every request slower (40, the server's default, tripled the CPU a request costs).",
    )


class PrefectSettings(BaseModel):
    api_url: str | None = Field(
        None, description="A remote Prefect server's API URL; when unset `gongwen up` starts one under the home."
    )
    port: int = Field(4200, description="Port of the Prefect server `gongwen up` starts.")
    database_url: str | None = Field(
        None,
        description="Database of the Prefect server `gongwen up` starts (e.g. postgresql+asyncpg://…); "
        "SQLite under the home when unset.",
    )


class WorkflowSettings(BaseModel):
    poll_seconds: float = Field(0.3, description="How often the worker looks for due process steps.")
    lease_seconds: float = Field(
        30.0,
        description="A claimed step's lease; its worker renews it while the step runs, so a step is taken up "
        "again this long after its worker died.",
    )
    max_attempts: int = Field(5, description="Attempts before a process step is marked failed.")
    batch_size: int = Field(
        8, ge=1, le=200, description="Steps of one kind a worker takes at once and runs as one flow run."
    )
    workers: int = Field(2, ge=1, le=32, description="Worker processes `gongwen up` starts (steps run in parallel).")
    step_delay_seconds: float = Field(
        0.0, description="Pause between the tasks of a flow; only for fault-injection tests."
    )


class ReminderSettings(BaseModel):
    cron: str = Field("0 8 * * *", description="When the 催办 flow runs (cron, server time zone).")
    days_before: int = Field(2, description="Chase units this many days before the deadline, and after it.")
    supervise_cron: str = Field("30 8 * * *", description="When the 督办 flow of 收文 past its 办理时限 runs.")


DEFAULT_RETENTION = {
    # DOMAIN.md §3.6: decisions, orders and 请示/批复 of substance are kept permanently; ordinary notices and
    # opinions 30 years; summaries, reports and replies from subordinates 10 years. Override per 文种 or kind.
    "决议": "Y",
    "决定": "Y",
    "命令": "Y",
    "令": "Y",
    "公报": "Y",
    "公告": "Y",
    "议案": "Y",
    "批复": "Y",
    "请示": "Y",
    "通告": "D30",
    "意见": "D30",
    "通知": "D30",
    "通报": "D30",
    "函": "D30",
    "纪要": "D30",
    "报告": "D10",
    "reply": "D10",
    "imported": "D30",
}


class ArchiveSettings(BaseModel):
    fonds_code: str = Field(
        "Z001", description="全宗号 (4 characters) of the organ named by fonds_name until an admin sets its own."
    )
    fonds_name: str = Field(
        "扎兰屯市民族事务委员会",
        description="The 立档单位 whose records command-line imports go into; its 全宗名称 until an admin sets one. "
        "Every other organ's 全宗 is set on the archive's 全宗 page (docs/archive-package.md).",
    )
    scheme: str = Field(
        "year-organ-retention",
        description="Classification: year-organ-retention, year-retention-organ or year-retention (DA/T 22 §3.2).",
    )
    retention: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_RETENTION),
        description="The first 保管期限表 (by 文种, or 'reply' / 'imported'); archivists edit it on the pages.",
    )
    group_replies_with_plan: bool = Field(
        False, description="File the report-backs in the plan's 件 instead of as 件 of their own."
    )
    cron: str = Field("0 2 1 3 *", description="The yearly run (for the previous year); filing is due by June.")
    fixity_cron: str = Field("0 3 1 * *", description="The monthly fixity audit.")
    anchor_cron: str = Field(
        "55 23 * * *",
        description="The daily anchor of the audit chain's head in the archive store (write-once): a rewrite of "
        "the chain before the last anchor is named by `gongwen audit verify`.",
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Processes that package, check and store the 件 of a run (default: one per core; 1: the "
        "run's own process only).",
    )
    scanner_command: str | None = Field(
        None, description="A malware scanner reading a file on stdin, exit 0 when clean (e.g. 'clamdscan -')."
    )


class ElasticsearchSettings(BaseModel):
    """Used when ``search_url`` is http(s)://… (an Elasticsearch 8 cluster). Credentials may also be given in the
    URL; they never appear in a message, a log line or a stored error."""

    api_key: SecretStr | None = Field(None, description="An API key (base64 'id:key' as Kibana shows it).")
    username: str | None = Field(None, description="Basic auth user (e.g. elastic), when no API key is given.")
    password: SecretStr | None = Field(None, description="Basic auth password.")
    ca_certs: str | None = Field(None, description="CA file of the cluster's certificate (ES 8 makes its own CA).")
    ssl_assert_fingerprint: str | None = Field(
        None, description="Or the SHA-256 fingerprint of the cluster's certificate, instead of a CA file."
    )
    verify_certs: bool = Field(True, description="Verify the cluster's TLS certificate (leave on in production).")
    request_timeout: float = Field(10.0, description="Seconds for a search or a small call.")
    bulk_timeout: float = Field(120.0, description="Seconds for one bulk request of indexing.")
    max_retries: int = Field(1, description="Retries of a call on a connection error or 502/503/504.")
    bulk_retries: int = Field(4, description="Retries, with backoff, of documents refused with 429.")
    shards: int = Field(1, description="Primary shards of each index generation.")
    replicas: int = Field(0, description="Replicas of each shard: 0 on a one-node cluster, 1+ on several nodes.")
    retire_grace: float | None = Field(
        None, description="Seconds an old generation is kept after a rebuild's swap (default: request_timeout)."
    )


MIN_SECRET_BITS = 128


def secret_bits(secret: str) -> float:
    """A cautious estimate of a secret's entropy: the smaller of its length times the Shannon entropy of its
    characters (``aaaa…`` scores 0) and the bits it compresses to (a repeated pattern such as ``0123456789…``
    compresses to little however long it is)."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = deflate.compress(secret.encode()) + deflate.flush()
    return min(per_char * len(secret), 8.0 * len(compressed))


class Settings(BaseSettings):
    """Everything a running instance needs; all state lives under ``home``."""

    model_config = SettingsConfigDict(env_prefix="GONGWEN_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path("var"), description="The one data home: database, objects, index, Prefect state.")
    environment: str = Field(
        "development", description="development | test | production (any case); production refuses unsafe settings"
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; SQLite under the home when unset.")
    storage_url: str | None = Field(None, description="file://… or s3://…; a folder under the home when unset.")
    search_url: str | None = Field(
        None, description="embedded://PATH or http://host:9200 (Elasticsearch); an index under the home when unset."
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Signs the CSRF tokens of the pages (bound to each login); at least 32 characters in production.",
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of 成文日期 and deadlines.")
    templates_dir: Path = Field(PROJECT_ROOT / "templates", description="Jinja2 templates.")
    fonts_dir: Path | None = Field(None, description="Folder with the Fandol fonts; found automatically when unset.")
    seal_keys_dir: Path | None = Field(
        None,
        description="Where the private keys of the organs' electronic seals are kept (a folder of mode 0700, each "
        "key a file of mode 0600); `seal-keys` under the home when unset. The database keeps only public keys.",
    )
    example_data: bool = Field(
        False,
        description="Load the seed organs, users and documents on first start (demo accounts with a known "
        "password: for trying it out, never for a real instance). `gongwen up --example-data` asks for it too.",
    )
    api: ApiSettings = Field(default_factory=ApiSettings)
    prefect: PrefectSettings = Field(default_factory=PrefectSettings)
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in ENVIRONMENTS:
            raise ValueError(f"GONGWEN_ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
        return name

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> Settings:
        if not self.secret_key.strip():
            raise ValueError("GONGWEN_SECRET_KEY must not be empty")
        if self.is_production and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("GONGWEN_SECRET_KEY must be set to a random value of 32+ characters in production")
        if self.is_production and secret_bits(self.secret_key) < MIN_SECRET_BITS:
            raise ValueError(
                "GONGWEN_SECRET_KEY looks guessable (repeated or patterned characters): "
                "`gongwen secret new` prints a good one"
            )
        if self.is_production and self.example_data:
            raise ValueError("GONGWEN_EXAMPLE_DATA loads demo accounts with a known password: never in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @cached_property
    def home_dir(self) -> Path:
        """The data home, private to the user running the instance (documents may be 涉密)."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.home.chmod(0o700)
        return self.home.resolve()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'gongwen.db'}"

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or (self.home_dir / "objects").as_uri()

    @property
    def effective_search_url(self) -> str:
        return self.search_url or f"embedded://{self.home_dir / 'index'}"

    @property
    def effective_seal_keys_dir(self) -> Path:
        return self.seal_keys_dir or self.home_dir / "seal-keys"

    @property
    def prefect_home(self) -> Path:
        return self.home_dir / "prefect"

    @property
    def prefect_api_url(self) -> str:
        return self.prefect.api_url or f"http://127.0.0.1:{self.prefect.port}/api"

"""Every check name a run can report, as typed constants: the suite's own checks, the response rules it applies
to every answer, and the schemathesis checks it enables. A misspelt name is a type error, not a silent miss."""
from __future__ import annotations

from typing import Final, NewType

CheckName = NewType("CheckName", str)

# The suite's own flows (conformance.checks.*), in the order a run executes them.
RECORDS: Final = CheckName("records")
ACCEPTANCE: Final = CheckName("acceptance")
ASYNC_CONTRACT: Final = CheckName("async_contract")
CREDIT_COST: Final = CheckName("credit_cost")
CREDIT_REFUSAL: Final = CheckName("credit_refusal")
TEAM_ISOLATION: Final = CheckName("team_isolation")
RESOURCE_LIFECYCLE: Final = CheckName("resource_lifecycle")
THROTTLE_HEADERS: Final = CheckName("throttle_headers")
THROTTLE_LIMIT: Final = CheckName("throttle_limit")

# The suite's rule that schemathesis also runs, and schemathesis' own checks the run enables.
ERROR_VOCABULARY: Final = CheckName("error_vocabulary")
NOT_A_SERVER_ERROR: Final = CheckName("not_a_server_error")
STATUS_CODE_CONFORMANCE: Final = CheckName("status_code_conformance")
CONTENT_TYPE_CONFORMANCE: Final = CheckName("content_type_conformance")
RESPONSE_HEADERS_CONFORMANCE: Final = CheckName("response_headers_conformance")
RESPONSE_SCHEMA_CONFORMANCE: Final = CheckName("response_schema_conformance")
NEGATIVE_DATA_REJECTION: Final = CheckName("negative_data_rejection")
IGNORED_AUTH: Final = CheckName("ignored_auth")
USE_AFTER_FREE: Final = CheckName("use_after_free")
ENSURE_RESOURCE_AVAILABILITY: Final = CheckName("ensure_resource_availability")
MAX_RESPONSE_TIME: Final = CheckName("max_response_time")

# Not a check of the contract: the target did not answer (refused, dropped, timed out) a request of the run.
TRANSPORT: Final = CheckName("transport")

SCHEMATHESIS_CHECKS: Final = (NOT_A_SERVER_ERROR, STATUS_CODE_CONFORMANCE, CONTENT_TYPE_CONFORMANCE,
                              RESPONSE_HEADERS_CONFORMANCE, RESPONSE_SCHEMA_CONFORMANCE, NEGATIVE_DATA_REJECTION,
                              IGNORED_AUTH, USE_AFTER_FREE, ENSURE_RESOURCE_AVAILABILITY)
# The ones that judge one response, so they also apply to the answers the suite's own checks receive.
RESPONSE_RULES: Final = (NOT_A_SERVER_ERROR, STATUS_CODE_CONFORMANCE, CONTENT_TYPE_CONFORMANCE,
                         RESPONSE_HEADERS_CONFORMANCE, RESPONSE_SCHEMA_CONFORMANCE)

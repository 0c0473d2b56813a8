"""The provenance rule of spec/README.md ("Provenance"), on small documents: markers, parts, inheritance through
schemas and references, and what is deliberately not inherited."""
from contract import Provenances

ID = {"type": "integer", "minimum": 1}


def document(operation: dict, **components) -> dict:
    return {"openapi": "3.1.0", "paths": {"/reports/{id}": {"get": {"operationId": "getReport", **operation}}},
            "components": {"schemas": {"Id": ID, **components}}}


REPORT = {
    "type": "object",
    "x-mock-assumed": "the docs name only id and status",
    "x-mock-source": {"/id": "003 l. 797", "/status": "003 l. 802"},
    "properties": {"id": {"$ref": "#/components/schemas/Id"}, "status": {"type": "string", "enum": ["a", "b"]},
                   "extra": {"type": "object", "properties": {"inner": {"type": "string", "maxLength": 9}}}},
}


def report_operation(**extra) -> dict:
    return {"x-mock-source": {"self": "003 l. 757", "200": "003 l. 23"},
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Report"}}}}}, **extra}


def test_property_slots_and_schema_markers_decide_the_fields() -> None:
    index = Provenances.of_document(document(report_operation(), Report=REPORT))
    assert index.operation("getReport").text == "003 l. 757"
    assert index.status("getReport", 200).documented
    assert index.response_field("getReport", 200, "/id").text == "003 l. 797", "the /id part of a $ref property"
    assert index.response_field("getReport", 200, "/status").documented
    extra = index.response_field("getReport", 200, "/extra")
    inner = index.response_field("getReport", 200, "/extra/inner")
    assert not extra.documented and not inner.documented, "fields inherit the assumed schema"
    assert inner.text == "the docs name only id and status"
    assert index.unclassified() == []


def test_keywords_follow_their_holder_unless_a_part_names_them() -> None:
    report = {**REPORT, "properties": {**REPORT["properties"], "status": {
        "type": "string", "enum": ["a", "b"], "x-mock-source": {"enum": "003 l. 759"}}}}
    index = Provenances.of_document(document(report_operation(), Report=report))
    assert index.constraint("getReport", "response 200", "/status", "enum").text == "003 l. 759"
    bound = index.constraint("getReport", "response 200", "/extra/inner", "maxLength")
    assert bound is not None and not bound.documented
    id_bound = index.constraint("getReport", "response 200", "/id", "minimum")
    assert id_bound.text == "003 l. 797", "the unmarked Id takes the provenance of the slot that uses it"


def test_an_operations_self_and_declarations_are_not_inherited() -> None:
    operation = report_operation(**{"x-mock-credits": {"cost": 1}, "x-mock-throttle": {"limit": 1, "window": 60}})
    operation["x-mock-assumed"] = {"throttle": "no limit documented"}
    operation["responses"]["401"] = {"description": "no token"}
    index = Provenances.of_document(document(operation, Report=REPORT))
    assert index.declaration("getReport", "throttle").text == "no limit documented"
    assert index.declaration("getReport", "credits") is None
    assert index.status("getReport", 401) is None
    missing = {(n.kind, n.where) for n in index.unclassified()}
    assert missing == {("credits", "credits"), ("status", "401")}
    assert index.counts()["credits"].unclassified == 1 and index.counts()["throttle"].assumed == 1


def test_a_documented_branch_wins_and_conflicts_and_typos_are_reported() -> None:
    schema = {"anyOf": [{"type": "object", "x-mock-assumed": "guess", "properties": {"code": {"type": "string"}}},
                        {"type": "object", "x-mock-source": "003 l. 1133", "properties": {"code": {"type": "string"}}}]}
    operation = {"x-mock-source": "003 l. 1", "responses": {"422": {
        "description": "bad", "x-mock-source": "003 l. 25", "x-mock-assumed": "twice",
        "content": {"application/json": {"schema": schema}}}}}
    operation["x-mock-assumed"] = {"4O4": "a typo names no status"}
    index = Provenances.of_document(document(operation))
    assert index.response_field("getReport", 422, "/code").documented
    assert any("marked both documented and assumed" in p for p in index.problems)
    assert "/paths/~1reports~1{id}/get/x-mock-assumed: the part '4O4' names nothing there" in index.problems


def test_parameters_request_bodies_and_root_declarations() -> None:
    operation = {
        "x-mock-source": "003 l. 1",
        "x-mock-assumed": {"parameter per_page": "no maximum documented"},
        "parameters": [{"name": "per_page", "in": "query", "x-mock-source": "003 l. 975",
                        "schema": {"type": "integer", "maximum": 100}},
                       {"$ref": "#/components/parameters/Page"}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "x-mock-source": "003 l. 105",
            "properties": {"prompt": {"type": "string", "minLength": 5,
                                      "x-mock-assumed": {"minLength": "not stated"}}}}}}},
        "responses": {},
    }
    raw = document(operation)
    raw["components"]["parameters"] = {"Page": {"name": "page", "in": "query", "x-mock-source": "003 l. 975"}}
    raw["x-mock-resources"] = {"report": {"schema": "#/components/schemas/Id"}}
    raw["x-mock-assumed"] = {"resources.report": "the mock's store"}
    index = Provenances.of_document(raw)
    assert index.parameter("getReport", "per_page").text == "no maximum documented", "the operation's part wins"
    assert index.constraint("getReport", "query per_page", "", "maximum").text == "no maximum documented"
    assert index.parameter("getReport", "page").documented
    assert index.request_field("getReport", "/prompt").text == "003 l. 105"
    assert index.constraint("getReport", "body", "/prompt", "minLength").text == "not stated"
    assert index.declaration("", "resources.report").text == "the mock's store"
    assert index.unclassified() == []

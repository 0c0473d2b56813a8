"""The mock publishes which facts are assumptions: its contract document keeps the provenance markers and its
Swagger UI shows them (showExtensions)."""
from conftest import API

from contract import parse_yaml


def test_published_document_marks_documented_and_assumed_fields(client):
    served = parse_yaml(client.get(f"{API}/openapi.yaml").text)
    project = served["components"]["schemas"]["TrackingProject"]
    assert project["x-mock-assumed"].startswith("the docs show no body"), "'Detail mit KPIs' names no field"
    report = served["paths"]["/reports/{id}"]["get"]
    assert report["x-mock-source"] == "003 §Reports, l. 757"
    assert served["components"]["schemas"]["Report"]["x-mock-source"].startswith("003 §Reports, l. 815")


def test_api_reference_page_shows_the_markers(client):
    page = client.get(f"{API}/ui/")
    assert page.status_code == 200
    assert "showExtensions: true" in page.text
    assert f'url: "{API}/openapi.yaml"' in page.text, "the page shows the 3.1 contract with its markers"

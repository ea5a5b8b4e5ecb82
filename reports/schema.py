"""The JSON Schema of the report, generated from `reports.models.Report`.

`reports/schema.json` ships with the project; `python -m reports.schema` rewrites it,
and a test fails when the models and the shipped file drift apart.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from reports.models import Report

SCHEMA_ID = "https://portal-login-diagnose.invalid/schema/report-1.json"


def generate() -> dict[str, Any]:
    schema = Report.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def shipped() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("reports").joinpath("schema.json").read_text(encoding="utf-8"))
    return schema


def main() -> None:
    path = resources.files("reports").joinpath("schema.json")
    with resources.as_file(path) as file:
        file.write_text(json.dumps(generate(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Validates a Render Blueprint (render.yaml) against Render's published JSON Schema.

Render rejects a Blueprint that does not match its schema, and only says so at deploy time; this catches the
same mistakes before a push. Needs jsonschema and PyYAML, which the project's dbt venv already has:

    .venv-dbt/bin/python scripts/validate-render.py [--schema SCHEMA] [BLUEPRINT]

SCHEMA defaults to ../shared/render/render.yaml.schema.json beside the repository, BLUEPRINT to render.yaml
at its root. Exit status: 0 valid, 1 invalid, 2 a file could not be read.
"""

import argparse
import json
import sys
from pathlib import Path

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "render" / "render.yaml.schema.json"
DEFAULT_BLUEPRINT = REPO_ROOT / "render.yaml"


def location(error):
    """The failing spot as services[0].envVars[3], or <root>."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "<root>"


def branch_errors(error):
    """For an anyOf/oneOf failure, the errors of the branch that the instance was most likely meant to be.

    A branch that rejects the instance's discriminator (its `type`) is not the intended one; of the rest, the
    branch with the fewest complaints is, and on a tie the one whose complaint reaches deepest (it accepted more
    of the instance before failing).
    """
    branches = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def rejects_type(subs):
        return any(list(sub.relative_path) == ["type"] and sub.validator in ("enum", "const") for sub in subs)

    candidates = [subs for subs in branches.values() if not rejects_type(subs)] or list(branches.values())
    return min(candidates, key=lambda subs: (len(subs), -max(len(sub.relative_path) for sub in subs)))


def describe(error, has_others):
    """One line per problem; anyOf/oneOf failures are replaced by the closest branch's own complaints."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        lines = []
        for sub in branch_errors(error):
            lines.extend(describe(sub, has_others))
        return lines
    message = error.message
    if error.validator == "unevaluatedProperties" and has_others:
        message += " (a section that has errors of its own also counts as unevaluated here)"
    return [f"{location(error)}: {message}"]


def load(path, parse, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return parse(handle)
    except OSError as e:
        print(f"validate-render: cannot read {what} {path}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        print(f"validate-render: {what} {path} is not well-formed: {e}", file=sys.stderr)
        sys.exit(2)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Validate a Render Blueprint against Render's JSON Schema.")
    parser.add_argument("blueprint", nargs="?", default=DEFAULT_BLUEPRINT, type=Path,
                        help=f"Blueprint file (default: {DEFAULT_BLUEPRINT})")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, type=Path,
                        help=f"Render's JSON Schema (default: {DEFAULT_SCHEMA})")
    args = parser.parse_args(argv)

    schema = load(args.schema, json.load, "schema")
    blueprint = load(args.blueprint, yaml.safe_load, "Blueprint")

    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)

    errors = sorted(validator.iter_errors(blueprint), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        print(f"{args.blueprint}: valid against {args.schema.name}")
        return 0
    lines = [line for error in errors for line in describe(error, len(errors) > 1)]
    for line in lines:
        print(f"{args.blueprint}: {line}", file=sys.stderr)
    print(f"{args.blueprint}: {len(lines)} error(s)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

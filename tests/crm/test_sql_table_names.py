"""Hand-written SQL names its tables from model metadata (``crm.sql_names.table``), never as literals.

A source scan of every project module (migrations and tests aside): no string in the code may contain a
project table name as a whole word. Docstrings and comments are prose and may name tables.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

from crm.sql_names import table
from customers.models import Customer

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["crm", "customers", "segmentation", "service_tiers", "reports", "benchmarks", "demo"]

def _project_tables() -> set[str]:
    """Every table of the project's models, the generated ones too (many-to-many, history)."""
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in PACKAGES}


def _code_strings(tree: ast.AST):
    """(line, text) of every string constant that is not a bare expression (docstrings are prose)."""
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node.lineno, node.value


def _modules() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            files.append(path)
    return files


def test_no_literal_table_name_in_code():
    tables = _project_tables()
    assert "customers_customer" in tables and "crm_user_groups" in tables
    word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, tables), key=len, reverse=True)) + r")\b")
    found = []
    for path in _modules():
        for line, text in _code_strings(ast.parse(path.read_text(encoding="utf-8"))):
            found += [f"{path.relative_to(ROOT)}:{line}: {match}" for match in word.findall(text)]
    assert not found, "write table(Model) (crm/sql_names.py) instead of the table's name:\n" + "\n".join(found)


def test_the_scan_sees_a_literal():
    source = 'SQL = f"SELECT 1 FROM customers_customer c JOIN {x} y"\n"""A docstring about customers_customer."""\n'
    assert [text for _, text in _code_strings(ast.parse(source)) if "customers_customer" in text] == [
        "SELECT 1 FROM customers_customer c JOIN "]


def test_table_is_the_models_db_table():
    assert table(Customer) == "customers_customer"


def test_table_refuses_a_name_that_would_need_quoting():
    class Odd:
        class _meta:  # noqa: N801 — shaped like a model's options
            db_table = 'Odd "table"'

    with pytest.raises(ValueError):
        table(Odd)  # type: ignore[arg-type]

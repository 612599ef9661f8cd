"""Faster `dump` for the schemas of the busiest answers (`/sync`, conversation lists, message pages).

marshmallow spends ~1.5 µs per field on generic machinery (accessor lookups, `missing` checks, per-field
method dispatch); a `/sync` snapshot for a person with 200 conversations has ~6,000 fields, so its JSON
cost more than its SQL. `FastDump` compiles each schema once into a list of (key, attribute, convert)
steps for the plain field types, and that list into one generated function for objects and rows, and
keeps marshmallow's own `serialize` for anything else, so the output is the same document:
tests/api/test_fastdump.py compares the two on every schema that uses it.
"""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing

from api.schemas.common import UTCDateTime

_ABSENT = object()


def _string(value):
    return value if value is None or type(value) is str else str(value)


def _integer(value):
    return None if value is None else int(value)


def _nested(schema: Schema, many: bool):
    dump = schema.dump
    if many:
        return lambda value: None if value is None else dump(value, many=True)
    return lambda value: None if value is None else dump(value)


def _utc_text(value):
    """UTCDateTime's output, without the field machinery (values from the database are UTC already)."""
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


# What the generated code writes for a value `v` of each plain type: the common case inline (a
# string that is a str, an int that is an int), the converter `c` only otherwise.
_INLINE = {
    _string: "v if v is None or v.__class__ is str else c(v)",
    _integer: "v if v is None or v.__class__ is int else c(v)",
    _utc_text: "None if v is None else c(v)",
}


def _converter(field: fields.Field):
    """A function of the attribute's value for the plain field types; None: let marshmallow do it."""
    kind = type(field)
    if kind is fields.String:
        return _string
    if kind is fields.Integer and not field.as_string:
        return _integer
    if kind is UTCDateTime:
        return _utc_text
    if kind is fields.Boolean:
        return lambda value: field._serialize(value, None, None)
    if kind is fields.Nested and isinstance(field.schema, FastDump) and not field.many:
        return _nested(field.schema, False)
    if kind is fields.List and type(field.inner) is fields.Nested and isinstance(field.inner.schema, FastDump):
        return _nested(field.inner.schema, True)
    if kind is fields.List and type(field.inner) is fields.String:
        return lambda value: None if value is None else [_string(item) for item in value]
    return None


class FastDump(Schema):
    """A Schema whose `dump` runs a plan compiled on first use (falls back to marshmallow when the
    schema has hooks, `only`/`exclude`, or is asked for something the plan does not cover).
    Keys named in `omit_if_none` are left out of the answer when their value is None."""

    omit_if_none: tuple[str, ...] = ()

    def _plan(self):
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = []
            for name, field in self.dump_fields.items():
                attribute = field.attribute or name
                convert = _converter(field) if "." not in attribute and field.dump_default is missing else None
                plan.append((field.data_key or name, attribute, convert, field))
            self._fast_plan = plan
        return plan

    def _compiled(self):
        """The plan as one generated function for objects and rows (dicts take `_dump_one`): about a
        third of the calls of the loop below, which matters at thousands of fields an answer."""
        dump = self.__dict__.get("_fast_function")
        if dump is None:
            lines, scope = ["def dump(obj):", "    out = {}"], {"_ABSENT": _ABSENT, "missing": missing}
            for i, (key, attribute, convert, field) in enumerate(self._plan()):
                scope[f"c{i}"], scope[f"f{i}"], skip_none = convert, field, key in self.omit_if_none
                if convert is None and (isinstance(field, (fields.Function, fields.Method)) or "." in attribute
                                        or field.dump_default is not missing):
                    lines += [f"    v = f{i}.serialize({attribute!r}, obj, accessor=get_attribute)",
                              f"    if v is not missing{' and v is not None' if skip_none else ''}:",
                              f"        out[{key!r}] = v"]
                    continue
                if convert is None:  # marshmallow's own conversion, once the value is known to be there
                    lines += [f"    v = getattr(obj, {attribute!r}, _ABSENT)",
                              "    if v is not _ABSENT:",
                              f"        v = f{i}._serialize(v, {attribute!r}, obj)",
                              f"        if v is not missing{' and v is not None' if skip_none else ''}:",
                              f"            out[{key!r}] = v"]
                    continue
                expression = _INLINE.get(convert, "c(v)").replace("c(v)", f"c{i}(v)")
                lines += [f"    v = getattr(obj, {attribute!r}, _ABSENT)",
                          f"    if v is not _ABSENT{' and v is not None' if skip_none else ''}:",
                          f"        out[{key!r}] = {expression}"]
            lines.append("    return out")
            scope["get_attribute"] = self.get_attribute
            exec("\n".join(lines), scope)  # noqa: S102 - source built above from the schema's own field names
            dump = self._fast_function = scope["dump"]
        return dump

    def _dump_one(self, obj) -> dict:
        if not isinstance(obj, dict):
            return self._compiled()(obj)
        out = {}
        is_dict = True
        for key, attribute, convert, field in self._plan():
            if convert is None:
                value = field.serialize(attribute, obj, accessor=self.get_attribute)
                if value is not missing and not (value is None and key in self.omit_if_none):
                    out[key] = value
                continue
            value = obj.get(attribute, _ABSENT) if is_dict else getattr(obj, attribute, _ABSENT)
            if value is not _ABSENT and not (value is None and key in self.omit_if_none):
                out[key] = convert(value)
        return out

    def dump(self, obj, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        if self._hooks.get(PRE_DUMP) or self._hooks.get(POST_DUMP) or self.only is not None or self.exclude:
            return super().dump(obj, many=many)
        if many:
            return [self._dump_one(item) for item in obj]
        return self._dump_one(obj)

"""Serializers shared by every app."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

# Fields whose representation of a database value is the value itself (a `str`, an `int`, a `bool`).
_PLAIN_FIELDS = (serializers.CharField, serializers.IntegerField, serializers.BooleanField)


class ReadRowsSerializer(serializers.ModelSerializer):
    """A read-only ModelSerializer for long lists, taking model instances or `.values()` rows.

    DRF's `to_representation` walks each field's `source_attrs` and calls its `to_representation`
    for every value: on a page of 50 listens of 20 fields that is most of the request. Here the
    work is planned once per serializer: a plain field (text, number, boolean, named after its
    column) is copied as it is, and only the others (dates, method fields) go through DRF. The
    output is the same as DRF's, the schema comes from the declared fields as before.
    """

    _fields_cache: ClassVar[dict[str, Field]]  # set on each subclass by get_fields()

    def get_fields(self) -> dict[str, Field]:
        # ModelSerializer maps every model field to a serializer field on each request; the mapping
        # depends on Meta alone, so it is made once per class and copied (as DRF copies declared fields).
        cached = type(self).__dict__.get("_fields_cache")
        if cached is None:
            cached = super().get_fields()
            type(self)._fields_cache = cached
        return copy.deepcopy(cached)

    def _row_plan(self) -> list[tuple[str, Field | None]]:
        plan = self.__dict__.get("_row_plan_cache")
        if plan is None:
            plan = [
                (field.field_name, None if _is_plain(field) else field) for field in self._readable_fields
            ]
            self.__dict__["_row_plan_cache"] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        output: dict[str, Any] = {}
        is_row = isinstance(instance, Mapping)
        for name, field in self._row_plan():
            if field is None:  # a plain field: its source is its name (checked by _is_plain)
                output[name] = instance[name] if is_row else getattr(instance, name)
                continue
            try:  # DRF's own path, as in Serializer.to_representation
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            output[name] = None if check is None else field.to_representation(attribute)
        return output


def _is_plain(field: Field) -> bool:
    return isinstance(field, _PLAIN_FIELDS) and field.source == field.field_name

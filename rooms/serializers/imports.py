"""The 400 answer of the all-or-nothing CSV imports (endpoints, history), for the OpenAPI schema.

Bad rows give API.md's `{"rows": [{"row": n, "errors": {"column": ["message"]}}]}`; a file that
cannot be read at all (no file, not UTF-8, a missing column) gives `{"file": ["message"]}`, and a
body that cannot be parsed `{"detail": "message"}`. Each key is optional: one answer has one of them.
"""

from rest_framework import serializers


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as a spreadsheet shows it (the header is row 1).")
    # Named like Serializer.errors, which it does not replace: DRF moves declared fields off the class.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text='{"column": ["message"]}'
    )


class ImportErrorsSerializer(serializers.Serializer):
    rows = ImportRowErrorSerializer(many=True, required=False, help_text="The bad rows; nothing was imported.")
    file = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The file as a whole was refused."
    )
    detail = serializers.CharField(required=False, help_text="The request body could not be read.")

"""The API's one pagination: `?page=` is a positive integer (or "last"), 50 rows a page.

DRF's own class answers 404 "Invalid page." to `?page=abc` as well as to a page past the end;
a malformed parameter is a bad request, so it gets 400 naming `page`, as every other query
parameter does (vconf/fields.py). A page past the last one stays 404.
"""

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.views import APIView

from vconf.fields import query_int


class PageNumberPagination(pagination.PageNumberPagination):
    def get_page_number(self, request: Request, paginator: Paginator) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if not raw:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return query_int({self.page_query_param: raw}, self.page_query_param, lo=1) or 1

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 10**9}
        return parameters

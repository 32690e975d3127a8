"""dumpdata/loaddata's JSON format with times to the microsecond (settings.SERIALIZATION_MODULES).

Django's JSON encoder cuts datetimes to milliseconds, so `manage.py backup` then `restore`
changed every stored time by up to 999 µs — and a time a hair past a whole second came back as
that second. A backup must restore exactly what was stored; loading is Django's own.
"""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder

Deserializer = django_json.Deserializer


class PreciseJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, keeping times' microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder

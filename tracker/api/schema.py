from drf_spectacular.openapi import AutoSchema


class TrackerAutoSchema(AutoSchema):
    pass

"""factory-boy factories, one per model. Defaults build a valid record in the Idlib area."""

from datetime import UTC, datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tracker import choices
from tracker.domain import webhooks
from tracker.models import (
    Assessment,
    Ceasefire,
    CeasefireParty,
    Citation,
    Declaration,
    Delivery,
    Incident,
    Party,
    PartyAlias,
    Place,
    PlaceName,
    Report,
    Source,
    Subscription,
    SubscriptionSecret,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    name = factory.Sequence(lambda n: f"Party {n}")
    kind = choices.PartyKind.ARMED_GROUP


class PartyAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyAlias

    party = factory.SubFactory(PartyFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Town {n}")
    kind = choices.PlaceKind.TOWN
    country_code = "SY"
    latitude = factory.Faker("pyfloat", min_value=35.3, max_value=36.3)
    longitude = factory.Faker("pyfloat", min_value=36.2, max_value=37.0)


class PlaceNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaceName

    place = factory.SubFactory(PlaceFactory)
    name = factory.Sequence(lambda n: f"Other name {n}")
    language = "en"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = choices.SourceKind.NEWSPAPER
    reliability = choices.Reliability.C


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    source = factory.SubFactory(SourceFactory)
    title = factory.Faker("sentence", nb_words=6)
    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    published_at = factory.Faker(
        "date_time_between", start_date=datetime(2020, 1, 1, tzinfo=UTC), end_date=datetime(2020, 3, 31, tzinfo=UTC), tzinfo=UTC
    )
    summary = factory.Faker("paragraph")


class CeasefireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceasefire

    name = factory.Sequence(lambda n: f"Ceasefire {n}")
    scope = factory.SubFactory(PlaceFactory, kind=choices.PlaceKind.GOVERNORATE)
    starts_at = datetime(2020, 1, 11, 21, 1, tzinfo=UTC)
    ceasefire_type = choices.CeasefireType.BILATERAL
    purpose = choices.CeasefirePurpose.HUMANITARIAN
    timezone = "Asia/Damascus"


class CeasefirePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CeasefireParty

    ceasefire = factory.SubFactory(CeasefireFactory)
    party = factory.SubFactory(PartyFactory)
    role = choices.PartyRole.SIGNATORY


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    ceasefire = factory.SubFactory(CeasefireFactory)
    party = factory.SubFactory(PartyFactory)
    claimed_start = datetime(2020, 1, 9, 11, 0, tzinfo=UTC)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Faker("sentence", nb_words=5)
    kind = choices.IncidentKind.AIRSTRIKE
    occurred_at = datetime(2020, 1, 15, 8, 0, tzinfo=UTC)
    time_precision = choices.TimePrecision.HOUR
    place = factory.SubFactory(PlaceFactory)
    geo_precision = choices.GeoPrecision.TOWN
    status = choices.IncidentStatus.VERIFIED


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    incident = factory.SubFactory(IncidentFactory)
    report = factory.SubFactory(ReportFactory)
    stance = choices.Stance.REPORTS


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    incident = factory.SubFactory(IncidentFactory)
    ceasefire = factory.SubFactory(CeasefireFactory)
    verdict = choices.Verdict.VIOLATION
    time_overlap = 1.0
    place_overlap = 1.0
    computed_at = factory.LazyFunction(lambda: datetime.now(UTC))


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A subscription with its signing secret (what the service's create issues)."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"subscription {n}")
    target_url = "https://hooks.example.org/tracker"
    events = factory.LazyFunction(lambda: list(webhooks.EVENT_TYPES))

    @factory.post_generation
    def secret(self, create, extracted, **kwargs):
        if create:
            SubscriptionSecret.objects.create(
                subscription=self, secret=extracted or webhooks.new_secret(), created_at=datetime.now(UTC)
            )


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    subscription = factory.SubFactory(SubscriptionFactory)
    message_id = factory.LazyFunction(webhooks.message_id)
    event = webhooks.INCIDENT_CREATED
    incident_id = 1
    sequence = factory.Sequence(lambda n: n + 1)
    body = "{}"
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))

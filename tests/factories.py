import factory

from users.models import User

PASSWORD = "correct-Horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """`UserFactory(verified=True)`: the address is confirmed (a verified allauth EmailAddress)."""
        if create and extracted:
            obj.mark_email_verified()


ADMIN_EMAIL = "boss@example.com"


def verified_admin(settings, email: str = ADMIN_EMAIL, **kwargs) -> User:
    """An admin by ADMIN_EMAIL: the address is listed (in the test's settings) and verified."""
    settings.ADMIN_EMAILS = frozenset(settings.ADMIN_EMAILS) | {email.lower()}
    return UserFactory(email=email, verified=True, **kwargs)

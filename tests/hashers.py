from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs so the suite stays fast; production uses the defaults."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1

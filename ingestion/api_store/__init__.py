"""Extraction from the case-capture API store into the warehouse, in one place.

``schema`` reflects the store's tables through SQLAlchemy Core (nothing of ``api`` is imported);
``extract`` turns case and human-review changes into contract tables loaded like a bulk import;
``review_tables`` upserts the rest of the review work into ``raw.api_*`` (declared in ``tables``).
"""

"""gyomu storage backend "storage_s3": objects in an S3 bucket, optionally locked."""

from gyomu_cli.hookspecs import hookimpl
from gyomu_storage_s3.store import S3Store


@hookimpl
def register_storage_backends(register):
    register("storage_s3", S3Store.from_options)

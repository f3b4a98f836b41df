"""gyomu storage backend "storage_s3": objects in an S3 bucket, optionally locked."""

from gyomu_cli.hookspecs import hookimpl


def _open(home, options):
    """boto3 loads only when an S3 storage is used, not with every command."""
    from gyomu_storage_s3.store import S3Store

    return S3Store.from_options(home, options)


@hookimpl
def register_storage_backends(register):
    register("storage_s3", _open)

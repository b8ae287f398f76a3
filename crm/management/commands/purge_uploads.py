"""manage.py purge_uploads [--older-than SECONDS]: delete uploaded import files past their retention."""

from django.core.management.base import BaseCommand

from crm.uploads import uploads_purge_expired


class Command(BaseCommand):
    help = "删除超过保留期（默认1小时）仍未确认或取消的上传文件"

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None,
                            help="保留秒数（默认取 UPLOAD_RETENTION_SECONDS，即3600）")

    def handle(self, *args, **options):
        deleted = uploads_purge_expired(older_than_seconds=options["older_than"])
        self.stdout.write(f"已删除 {deleted} 个过期的上传文件")

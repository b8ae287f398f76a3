from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from crm.roles import assign_role_permissions


class Command(BaseCommand):
    help = "按 crm.roles.ROLE_PERMISSIONS 重新为各角色组分配权限（新增模型后运行；migrate 后也会自动执行）。"

    def handle(self, *args, **options):
        counts = assign_role_permissions(group_model=Group, permission_model=Permission)
        for role, count in counts.items():
            self.stdout.write(f"{role}: {count}")

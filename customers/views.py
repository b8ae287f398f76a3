from django.shortcuts import get_object_or_404, render

from crm.scoping import visible_customers


def customer_list(request):
    customers = visible_customers(user=request.user).order_by("-aum")[:25]
    return render(request, "customers/list.html", {"customers": customers})


def customer_detail(request, pk: int):
    customer = get_object_or_404(visible_customers(user=request.user), pk=pk)
    return render(request, "customers/detail.html", {"customer": customer})

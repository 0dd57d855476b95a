from django import template

from sessions_app.idcard import mask_code

register = template.Library()


@register.filter
def desk_number(student_no: str, operator: bool) -> str:
    """A student number as the desk shows it: masked for an operator (issue 25: nothing a desk
    shows singles out a student number better than 1 in 100), whole for staff and coordinators."""
    return mask_code(student_no) if operator else student_no

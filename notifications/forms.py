from django import forms

from .models import ChannelPreference


class ChannelPreferenceForm(forms.ModelForm):
    class Meta:
        model = ChannelPreference
        fields = ("email", "sms", "wecom", "wecom_userid", "robot_key")

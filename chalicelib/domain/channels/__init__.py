"""Channels: where on-call people already are (WeCom, DingTalk, Feishu, Slack, PagerDuty, any HTTPS webhook).

One module per kind turns a notice and its texts into the vendor's request (payload, signature) and judges the
vendor's answer; `config` reads the channels file. Everything here is pure: the relay service sends.
"""

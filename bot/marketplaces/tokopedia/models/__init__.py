"""Pydantic models of Tokopedia webhook payloads and API responses, by what they describe.

``base`` holds the forgiving reading every model shares; ``orders`` the order webhooks, Get
Single Order and Get All Orders; ``chat`` the chat webhook and the chat endpoints; ``account``
what the app (its fs_id) holds: its token, its webhook registration and its shops.
"""

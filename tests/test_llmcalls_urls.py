"""Raw HTTP model calls whose URL is built from settings, joined on by helpers and passed
to a request helper, as real applications write them (Letta, Open WebUI, Khoj, mem0)."""

from __future__ import annotations

from readiness.llmcalls import CallSiteIndex, build_index
from readiness.llmcalls.urls import has_model_route, is_model_url, shown
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_llm import where


def scan(make_project: MakeProject, files: dict[str, str]) -> CallSiteIndex:
    return build_index(Project(make_project(files)))


def sites(index: CallSiteIndex) -> list[tuple[str, str, str]]:
    return [(f"{c.path}:{c.line}", c.api, c.purpose) for c in index.calls]


# Letta 0.6.7: the base URL comes from settings, a helper of the project joins the route on
# (reassigning the parameter), and one request helper posts every JSON request.
LETTA = {
    "app/__init__.py": "",
    "app/utils.py": '''\
from urllib.parse import urljoin


def smart_urljoin(base_url: str, relative_url: str) -> str:
    if not base_url.endswith("/"):
        base_url += "/"
    return urljoin(base_url, relative_url)
''',
    "app/helpers.py": '''\
import requests


def make_post_request(url: str, headers: dict, data: dict) -> dict:
    response = requests.post(url, headers=headers, json=data)
    response.raise_for_status()
    return response.json()
''',
    "app/openai.py": '''\
from app.helpers import make_post_request
from app.utils import smart_urljoin


def chat_completions_request(url: str, api_key: str, request: dict) -> dict:
    url = smart_urljoin(url, "chat/completions")
    headers = {"Authorization": f"Bearer {api_key}"}
    return make_post_request(url, headers, request)


def embeddings_request(url: str, api_key: str, data: dict) -> dict:
    url = smart_urljoin(url, "embeddings")
    return make_post_request(url, {}, data)
''',
    "app/mistral.py": '''\
import requests

from app.utils import smart_urljoin


def mistral_get_model_list(url: str, api_key: str) -> dict:
    url = smart_urljoin(url, "models")
    return requests.get(url, headers={"Authorization": api_key}).json()


def models() -> dict:
    return mistral_get_model_list("https://api.mistral.ai/v1", api_key="k")
''',
}


def test_a_request_helper_given_a_chat_completions_url_is_a_model_call(
        make_project: MakeProject) -> None:
    index = scan(make_project, LETTA)
    assert sites(index) == [("app/helpers.py:5", "POST …/chat/completions", "generation")]
    assert index.calls[0].timeout is None  # requests.post with no timeout waits for ever


def test_a_helper_given_a_model_host_alone_is_no_model_call(
        make_project: MakeProject) -> None:
    # the callers pass a base URL; the helper adds its own route: a model list, not a call
    files = {**LETTA, "app/openai.py": "", "app/tags.py": '''\
import requests


def fetch(url):
    return requests.post(url, json={})


def tags():
    return fetch("https://api.openai.com/v1")
'''}
    assert sites(scan(make_project, files)) == []


OPEN_WEBUI = '''\
import json

import aiohttp

TIMEOUT = 300


async def generate_chat_completion(url: str, key: str, payload: dict):
    session = None
    try:
        session = aiohttp.ClientSession(
            trust_env=True, timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        r = await session.request(
            method="POST",
            url=f"{url}/chat/completions",
            data=json.dumps(payload),
            headers={"Authorization": f"Bearer {key}"},
        )
        return await r.json()
    except Exception:
        return None


async def send_post_request(url: str, payload: str, key: str | None = None):
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
    r = await session.post(url, data=payload)
    r.raise_for_status()
    return await r.json()


async def pull_model(url: str, name: str):
    return await send_post_request(url=f"{url}/api/pull", payload=json.dumps({"name": name}))


async def generate_openai_completion(url: str, payload: dict):
    return await send_post_request(url=f"{url}/v1/completions", payload=json.dumps(payload))


def gemini(base: str, model: str, body: dict):
    import requests
    return requests.post("{}/models/{}:generateContent".format(base, model), json=body,
                         timeout=60)


def local_ollama(body: dict):
    import requests
    return requests.post("http://localhost:11434/api/generate", json=body, timeout=120)
'''


def test_routes_joined_onto_a_configured_base_url(make_project: MakeProject) -> None:
    index = scan(make_project, {"routers.py": OPEN_WEBUI})
    assert [(site, api) for site, api, _ in sites(index)] == [
        ("routers.py:13", "POST …/chat/completions"),  # method= and url= given by keyword
        ("routers.py:26", "POST …/v1/completions"),  # the URL one caller passes
        ("routers.py:41", "POST …/models/…:generateContent"),
        ("routers.py:47", "POST localhost/api/generate"),
    ]
    assert [where(c.timeout) for c in index.calls] == [
        "routers.py:12", "routers.py:25", "routers.py:42", "routers.py:47"]


def test_lookalike_routes_and_fetched_pages_are_not_generation(
        make_project: MakeProject) -> None:
    index = scan(make_project, {"jobs.py": '''\
import requests


def scheduled_chat(scheme: str, host: str, payload: dict):
    # a chat app posting to its own chat API, as Khoj's scheduler does
    url = f"{scheme}://{host}/api/chat?client=khoj"
    return requests.post(url, json=payload)


def model_page(model: str):
    # a model's web page on a model host, fetched for its prices (aider)
    url = "https://openrouter.ai/" + model[len("openrouter/"):]
    return requests.get(url, timeout=5)


def posted_messages(base: str):
    return requests.post(f"{base}/v1/messages", json={})  # a messaging API: host unknown
'''})
    assert [(api, purpose) for _, api, purpose in sites(index)] == [
        ("GET openrouter.ai/…", "other")]  # a model host, but GET generates nothing


def test_a_model_hosts_caches_and_token_counts_are_not_generation(
        make_project: MakeProject) -> None:
    """skyvern 1.0.56's Vertex AI context cache: a POST to a model host that stores a
    prompt (``…/cachedContents``) or counts its tokens (``…:countTokens``) generates
    nothing, so no generation check judges it; the generation on the same host does."""
    index = scan(make_project, {"vertex.py": '''\
import requests

BASE = "https://global-aiplatform.googleapis.com/v1/projects"


def create_cache(project: str, payload: dict):
    url = f"{BASE}/{project}/locations/global/cachedContents"
    return requests.post(url, json=payload, timeout=30)


def count_tokens(project: str, model: str, payload: dict):
    url = f"{BASE}/{project}/locations/global/publishers/google/models/{model}:countTokens"
    return requests.post(url, json=payload, timeout=30)


def generate(project: str, model: str, payload: dict):
    url = f"{BASE}/{project}/locations/global/publishers/google/models/{model}:generateContent"
    return requests.post(url, json=payload, timeout=30)
'''})
    assert [(site, purpose) for site, _, purpose in sites(index)] == [
        ("vertex.py:8", "other"), ("vertex.py:13", "other"), ("vertex.py:18", "generation")]


def test_model_url_rules() -> None:
    assert is_model_url("https://api.openai.com/\0")
    assert is_model_url("\0/v1/chat/completions?api-version=\0")
    assert is_model_url("\0/openai/deployments/\0/chat/completions")
    assert is_model_url("https://host.example/v2/completions/")
    assert is_model_url("\0/models/gemini-2.0-flash:streamGenerateContent")
    assert is_model_url("http://127.0.0.1:11434/api/chat")
    assert not is_model_url("\0/api/chat")  # an app's own chat API
    assert not is_model_url("http://host:8080/api/generate")
    assert not is_model_url("\0/v1/messages")
    assert not is_model_url("https://api.openai.com.evil.example/v1")
    assert not is_model_url("\0/chat/completions/history")  # a route of another API
    assert is_model_url("https://chat.openai.com/backend-api/conversation")
    assert not is_model_url("https://chat.openai.com/backend-api/conversations")  # a listing
    assert has_model_route("\0/chat/completions#x")
    assert not has_model_route("https://api.openai.com/v1")  # a model host, no route
    # never the user info or query string (credentials), unknown parts as one '…'
    assert shown("https://user:pw@api.openai.com/v1/chat/completions?key=s") == \
        "api.openai.com/v1/chat/completions"
    assert shown("\0\0/chat/completions") == "…/chat/completions"


def test_a_streamed_request_through_httpx_sse(make_project: MakeProject) -> None:
    # letta's _sse_post: connect_sse(client, method="POST", url=url, ...) on an httpx client
    index = scan(make_project, {"stream.py": '''\
import httpx
from httpx_sse import connect_sse


def sse_post(url: str, data: dict):
    with httpx.Client(timeout=30) as client:
        with connect_sse(client, method="POST", url=f"{url}/chat/completions", json=data) as s:
            return list(s.iter_sse())


def events(url: str):
    with httpx.Client() as client:
        with connect_sse(client, "GET", f"{url}/events") as s:
            return list(s.iter_sse())
'''})
    assert [(f"{c.path}:{c.line}", c.api, where(c.timeout)) for c in index.calls] == [
        ("stream.py:7", "POST …/chat/completions", "stream.py:6")]


def test_httpx_and_aiohttp_time_out_by_default_but_not_inside_an_sdk(
        make_project: MakeProject) -> None:
    index = scan(make_project, {"calls.py": '''\
import httpx
import requests
from openai import OpenAI


def stream(url: str, body: dict):
    with httpx.Client() as client:
        return client.post(f"{url}/chat/completions", json=body)


def direct(url: str, body: dict):
    return httpx.post(f"{url}/chat/completions", json=body)


def plain(url: str, body: dict):
    return requests.post(f"{url}/chat/completions", json=body)


proxied = OpenAI(http_client=httpx.Client(proxy="http://proxy:3128"))


def sdk():
    # the SDK sets its own timeout (10 minutes) on each request of a default httpx client
    return proxied.chat.completions.create(model="m", messages=[])
'''})
    assert [(f"{c.path}:{c.line}", where(c.timeout),
             c.timeout.strength if c.timeout else None) for c in index.calls] == [
        ("calls.py:8", "calls.py:7", "default"),  # httpx: 5 s unless told otherwise
        ("calls.py:12", "calls.py:12", "default"),
        ("calls.py:16", None, None),  # requests waits for ever
        ("calls.py:24", None, None),
    ]


def test_a_default_base_url_kept_through_rstrip(make_project: MakeProject) -> None:
    # graphiti's OpenAIDecisionsClient: self.base_url = (base_url or ... or
    # 'https://api.openai.com/v1').rstrip('/'), then posts to f'{self.base_url}/decisions';
    # a host that is no model API's, kept the same way, is no model call
    index = build_index(Project(make_project({"decisions.py": '''\
import os

import httpx


class DecisionsClient:
    def __init__(self, base_url=None, timeout_seconds=120):
        self.base_url = (base_url or os.getenv("OPENAI_BASE_URL")
                         or "https://api.openai.com/v1").rstrip("/")
        self.docs_url = (base_url or "https://example.com/docs/").rstrip("/")
        self.http_client = httpx.AsyncClient(timeout=timeout_seconds)

    async def decide(self, body):
        response = await self.http_client.post(f"{self.base_url}/decisions", json=body)
        return response.json()

    async def docs(self, body):
        return await self.http_client.post(f"{self.docs_url}/search", json=body)
'''})))
    assert [(where(c), c.api, c.function) for c in index.calls] == [
        ("decisions.py:14", "POST api.openai.com/v1/decisions", "DecisionsClient.decide")]


def test_the_chatgpt_web_apps_conversation_route_is_generation(make_project: MakeProject
                                                               ) -> None:
    """PentestGPT 0.8.0's default mode (without --useAPI) posts every turn to the ChatGPT
    web app's private API with a session cookie; its listing and title routes generate
    nothing (not model calls at all)."""
    index = scan(make_project, {"pentestgpt/utils/chatgpt.py": '''\
import requests


class ChatGPT:
    def send_new_message(self, message):
        url = "https://chat.openai.com/backend-api/conversation"
        data = {"action": "next", "messages": [message], "model": self.model}
        r = requests.post(url, headers=self.headers, json=data, stream=True)
        return r

    def get_conversation_history(self, limit=20):
        url = "https://chat.openai.com/backend-api/conversations"
        return requests.get(url, headers=self.headers, params={"limit": limit})
'''})
    assert sites(index) == [("pentestgpt/utils/chatgpt.py:8",
                             "POST chat.openai.com/backend-api/conversation", "generation")]

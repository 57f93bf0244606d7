"""What the chat page and the /ask API do, as plain functions over a ready chain: answer, vote."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qa.chain import QAChain
from qa.question import Turn as HistoryTurn
from qa.question import clean_question
from qa.script import to_simplified
from qa.serialize import answer_json
from qa.store import EmptyIndexError, StoreError
from qa.types import Answer
from ui.corpus_text import ALL, ALL_LABEL, PageText, page_text
from ui.feedback import FeedbackStore
from ui.limits import RateLimiter
from ui.questionlog import QuestionLog
from ui.render import Turn, answer_html, pending_html, question_html, sources_html

if TYPE_CHECKING:
    from gradio.components.chatbot import ExampleMessage

Message = dict[str, str]
RATE_LIMITED = "提问有点频繁，请 {seconds} 秒后再试（每位访客每分钟最多 {limit} 次）。"
STORE_DOWN = "知识库暂时无法连接，请稍后再试。(The index is unavailable right now; please try again later.)"
logger = logging.getLogger(__name__)


def district_id(value: str | None) -> str | None:
    """A scope choice from the page or the API as the chain's district argument (None: all plans).

    The chain reads a doc id or a district's name or alias (qa.retrieve.scope); anything else finds no plan.
    """
    value = to_simplified((value or "").strip())
    return None if value.lower() in {"", ALL, ALL_LABEL, "none"} else value


def examples(page: PageText, choice: str | None) -> list[ExampleMessage]:
    """Example questions for a scope choice, as the Chatbot's example cards."""
    return [{"text": q} for q in page.examples_for(choice)]  # ExampleMessage dicts


def chat_messages(turns: Sequence[Turn], pending: str | None = None, partial: str = "") -> list[Message]:
    """The Chatbot's messages for a conversation, with a question still being answered at the end."""
    messages: list[Message] = []
    for i, turn in enumerate(turns):
        messages.append({"role": "user", "content": question_html(turn.question)})
        messages.append({"role": "assistant", "content": answer_html(turn.answer, i, notice=turn.notice)})
    if pending is not None:
        messages.append({"role": "user", "content": question_html(pending)})
        messages.append({"role": "assistant", "content": pending_html(partial)})
    return messages


def history(turns: Sequence[Turn]) -> list[HistoryTurn]:
    """Earlier exchanges as the chain takes them: (question, answer) pairs, notices left out."""
    return [(t.question, t.answer.text) for t in turns if not t.notice]


class ChatService:
    """The app's behaviour over one chain, a feedback store, a rate limiter and an optional question log."""

    def __init__(
        self,
        chain: QAChain,
        feedback: FeedbackStore,
        limiter: RateLimiter,
        log: QuestionLog | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.chain = chain
        self.examples = dict(examples or {})  # example questions given for some plans (manifest.json)
        self._page: tuple[str, PageText] | None = None
        self.feedback = feedback
        self.limiter = limiter
        self.log = log
        self.ready = threading.Event()
        self.ready.set()

    def page(self) -> PageText:
        """The page's texts for the index as it is now (built again only when an ingest has published)."""
        try:
            corpus = self.chain.corpus
        except StoreError:  # nothing indexed yet, or the store is down: the page still opens
            return page_text(None)
        if self._page is None or self._page[0] != corpus.version:
            self._page = (corpus.version, page_text(corpus, self.examples))
        return self._page[1]

    def warm_up(self, background: bool = True) -> None:
        """Load the chain's lazy parts (tokenizer dictionary, IDF table, embedding model) with one question.

        In the background the page is served at once; questions asked meanwhile wait for it to finish.
        """

        def run() -> None:
            try:
                self.chain.warm_up(self.page().warm_up or ALL_LABEL)
            except StoreError as exc:  # the first question will say so; the log gets the details
                logger.warning("warm-up failed: %s", exc)
            finally:
                self.ready.set()

        self.ready.clear()
        if background:
            threading.Thread(target=run, name="planqa-warm-up", daemon=True).start()
        else:
            run()

    def _limited(self, question: str, session: str) -> Answer | None:
        if self.limiter.allow(session):
            return None
        text = RATE_LIMITED.format(seconds=self.limiter.wait_seconds(session), limit=self.limiter.per_minute)
        return Answer(question=question, text=text, refused=True, backend=self.chain.backend)

    def respond(
        self, question: str, district: str | None, turns: Sequence[Turn], session: str = ""
    ) -> Iterator[tuple[list[Message], list[Turn], str]]:
        """Answer one chat turn: the question at once, streamed text if any, then the cited answer."""
        turns = list(turns)
        question = clean_question(question)
        if not question:
            yield chat_messages(turns), turns, sources_html(turns)
            return
        limit = self.chain.max_question_chars
        shown = question if len(question) <= limit else question[:limit] + "…"  # the chain explains the limit
        notice = self._limited(question, session)
        if notice is not None:
            turns.append(Turn(shown, notice, district, notice=True))
            yield chat_messages(turns), turns, sources_html(turns)
            return
        yield chat_messages(turns, pending=shown), turns, sources_html(turns)
        text = ""
        answer: Answer | None = None
        self.ready.wait()
        try:
            for piece in self.chain.stream(question, history(turns), district):
                if isinstance(piece, Answer):
                    answer = piece
                else:
                    text += piece
                    yield chat_messages(turns, pending=shown, partial=text), turns, sources_html(turns)
        except StoreError as exc:
            turns.append(Turn(shown, self._store_down(question, exc), district, notice=True))
            yield chat_messages(turns), turns, sources_html(turns)
            return
        assert answer is not None
        if self.log is not None:
            self.log.record(answer, district, session, source="chat")
        turns.append(Turn(shown, answer, district))
        yield chat_messages(turns), turns, sources_html(turns)

    def ask(
        self,
        question: str,
        district: str | None = None,
        earlier: Sequence[HistoryTurn] = (),
        session: str = "",
    ) -> dict[str, Any]:
        """The /ask API: exactly the `planqa ask --json` object."""
        shown = clean_question(question)[: self.chain.max_question_chars]  # what a notice echoes back
        answer = self._limited(shown, session)
        if answer is None:
            self.ready.wait()
            try:
                answer = self.chain.ask(question, list(earlier), district)
            except StoreError as exc:
                answer = self._store_down(shown, exc)
            else:
                if self.log is not None:
                    self.log.record(answer, district, session, source="api")
        return answer_json(answer)

    def _store_down(self, question: str, exc: StoreError) -> Answer:
        """The reply while the index cannot be used: a friendly line here, the details in the log."""
        logger.warning("question not answered: %s", exc)
        return Answer(question=question, text=unavailable(exc), refused=True, backend=self.chain.backend)

    def vote(
        self, turns: Sequence[Turn], message_index: int, liked: bool | None, session: str = ""
    ) -> int | None:
        """Store a session's one vote on the answer at a Chatbot message index (None: take it back).

        Returns the feedback row id, or None when nothing is stored.
        """
        turn_index = message_index // 2
        if not 0 <= turn_index < len(turns) or turns[turn_index].notice:
            return None
        turn = turns[turn_index]
        if liked is None:
            self.feedback.withdraw(session, turn.key)
            return None
        return self.feedback.record(turn.answer, liked, district=turn.district, session=session, key=turn.key)

    def comment(self, row_id: int | None, text: str) -> bool:
        """Attach an optional comment to the last vote."""
        return row_id is not None and bool(text.strip()) and self.feedback.add_comment(row_id, text[:2000])


def unavailable(exc: StoreError) -> str:
    """What to tell a user about a store error: an empty index says so (run ingest), else try again later."""
    return str(exc) if isinstance(exc, EmptyIndexError) else STORE_DOWN

"""A stage handles the frame types it cares about and passes every other frame on unchanged;
a pipeline is itself a stage, chaining others."""

from collections.abc import AsyncIterator, Sequence

from voice.frames.base import Frame


class Stage:
    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        """Frames that come out for one frame in; the default passes it through."""
        yield frame


class Pipeline(Stage):
    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        # Each frame goes all the way through before the next is made, so a stage that yields
        # sentence by sentence lets the first sentence play while the rest is synthesised.
        async for out in self._from(0, frame):
            yield out

    async def _from(self, index: int, frame: Frame) -> AsyncIterator[Frame]:
        if index == len(self.stages):
            yield frame
            return
        async for produced in self.stages[index].process(frame):
            async for out in self._from(index + 1, produced):
                yield out


async def run_stage(stage: Stage, frames: Sequence[Frame]) -> list[Frame]:
    """Every frame a stage emits for a list of frames in (tests and simple callers)."""
    out: list[Frame] = []
    for frame in frames:
        async for produced in stage.process(frame):
            out.append(produced)
    return out

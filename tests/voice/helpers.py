"""Test signals, and a minimal Pipecat pipeline to run one processor in: frames go in at the
front, and what comes out at the back is recorded."""

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np
from pipecat.frames.frames import EndFrame, Frame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


class Recorder(FrameProcessor):
    """The end of a test pipeline: keeps every frame that reaches it downstream."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []
        self._arrived = asyncio.Condition()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            async with self._arrived:
                self.frames.append(frame)
                self._arrived.notify_all()
        await self.push_frame(frame, direction)

    def of(self, kind: type) -> list:
        return [frame for frame in self.frames if isinstance(frame, kind)]

    async def wait_for(self, kind: type, count: int = 1) -> None:
        """Until `count` frames of `kind` have come out."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.of(kind)) >= count)


Drive = Callable[[PipelineWorker, Recorder], Awaitable[None]]


async def run_pipeline(processor: FrameProcessor, drive: Drive, *, sample_rate: int = 16000,
                       timeout: float = 60.0) -> Recorder:
    """Runs [processor, recorder] while `drive` queues frames (`worker.queue_frame`) and waits on
    the recorder, then ends the pipeline gracefully (EndFrame) and returns the recorder."""
    recorder = Recorder()
    worker = PipelineWorker(Pipeline([processor, recorder]), params=PipelineParams(
        audio_in_sample_rate=sample_rate, audio_out_sample_rate=sample_rate), idle_timeout_secs=None,
        enable_rtvi=False)
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def on_started(_worker, _frame) -> None:
        started.set()

    async def driver() -> None:
        await started.wait()  # processors drop frames that arrive before the StartFrame
        await drive(worker, recorder)
        await worker.queue_frame(EndFrame())

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await asyncio.wait_for(asyncio.gather(runner.run(), driver()), timeout)
    return recorder

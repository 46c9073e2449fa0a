"""Data parallelism: N processes, each with a copy of the model and its own slice of every batch.

BERT was pretrained on 16 Cloud TPUs (paper, appendix A.2: "Training of BERT_BASE was performed on 4
Cloud TPUs in Pod configuration (16 TPU chips total)"); the batch of 256 sequences was split across
the chips and their gradients averaged before each update. PyTorch's ``DistributedDataParallel`` does
the same on GPUs (or CPU processes): ``torchrun`` starts one process per device and sets ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK``; ``initialize`` joins them into one process group (nccl on CUDA, gloo on
CPU) with a timeout, so a rank that dies makes the others fail with an error instead of waiting
forever. Importing this module changes no process state; without torchrun everything here is the
one-process identity (world size 1, rank 0, no-op barrier).
"""

from __future__ import annotations

import datetime
import os

import torch
import torch.distributed as dist

TIMEOUT_SECONDS = 600  # a collective that waits longer than this fails (a dead or stuck rank)


def launched_by_torchrun() -> bool:
    """True when torchrun (or another launcher) set ``WORLD_SIZE`` > 1."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def initialize(timeout_seconds: float = TIMEOUT_SECONDS) -> torch.device | None:
    """Join torchrun's process group once; return this rank's CUDA device (None on CPU or alone).

    nccl on CUDA (one GPU per process, ``LOCAL_RANK``), gloo on CPU."""
    if not launched_by_torchrun() or dist.is_initialized():
        return _local_device()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_seconds))
    return _local_device()


def _local_device() -> torch.device | None:
    if dist.is_initialized() and torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return None


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def is_main_process() -> bool:
    """Rank 0: the process that logs, evaluates and writes files."""
    return rank() == 0


def barrier() -> None:
    """Wait until every rank gets here (e.g. while rank 0 writes a checkpoint)."""
    if world_size() > 1:
        dist.barrier()


def _collective(value: float, reduce: bool) -> float:
    if world_size() == 1:
        return value
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor([value], dtype=torch.float64, device=device)  # (1,)
    if reduce:
        dist.all_reduce(tensor)
        return tensor.item() / world_size()
    dist.broadcast(tensor, src=0)
    return tensor.item()


def all_reduce_mean(value: float) -> float:
    """The mean of ``value`` over all ranks (e.g. the loss each rank computed on its slice)."""
    return _collective(value, reduce=True)


def broadcast_from_main(value: float) -> float:
    """Rank 0's ``value`` on every rank (e.g. the time left, so all ranks stop at the same step)."""
    return _collective(value, reduce=False)


def batches_per_epoch(dataset_size: int, batch_size: int) -> int:
    """Per-device batches of ``batch_size`` in an epoch: all of them alone; under torchrun only whole
    global batches (``batch_size x world_size``), so that every rank gets ``batch_size`` rows."""
    if world_size() == 1:
        return -(-dataset_size // batch_size)
    if dataset_size < batch_size * world_size():
        raise ValueError(f"the dataset has {dataset_size} instances, fewer than one global batch of "
                         f"{batch_size} x {world_size()} processes; lower the batch size")
    return dataset_size // (batch_size * world_size())


def rows_of_this_rank(batch: dict[str, torch.Tensor], batch_size: int) -> dict[str, torch.Tensor]:
    """This rank's ``batch_size`` rows of a global batch (B * world, ...) -> (B, ...)."""
    if world_size() == 1:
        return batch
    start = rank() * batch_size
    return {name: tensor[start:start + batch_size] for name, tensor in batch.items()}


def resume_position(instances_done: int, batch_size: int) -> int:
    """The batch index where an epoch resumes after ``instances_done`` instances, in global batches of
    ``batch_size x world_size`` (so a checkpoint written with another world size resumes too)."""
    if instances_done % (batch_size * world_size()):
        raise ValueError(f"cannot resume with {world_size()} process(es) of batch {batch_size}: the checkpoint "
                         f"stopped {instances_done} instances into the epoch, not a whole number of global batches")
    return instances_done // (batch_size * world_size())

"""The confusion-matrix picture of an evaluation run (matplotlib, drawn off-screen)."""

from pathlib import Path


def plot_confusion_matrix(labels: list[str], counts: list[list[int]], title: str, path: Path) -> None:
    """Rows are the reference intents, columns what the model predicted; each row shaded by its share."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in tests
    import matplotlib.pyplot as plt

    shares = [[value / (sum(row) or 1) for value in row] for row in counts]
    size = max(6.0, 0.38 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    try:
        axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
        axes.set_yticks(range(len(labels)), labels, fontsize=8)
        axes.set_xlabel("predicted")
        axes.set_ylabel("expected")
        axes.set_title(title)
        for row, values in enumerate(counts):
            for column, value in enumerate(values):
                if value:
                    axes.text(column, row, str(value), ha="center", va="center", fontsize=6,
                              color="white" if shares[row][column] > 0.5 else "black")
        figure.tight_layout()
        figure.savefig(path, dpi=110)
    finally:
        plt.close(figure)

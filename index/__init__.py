"""Loading, chunking, embedding and storing documents: the layer everything else reads from."""

from index.offline import enforce_offline

enforce_offline()

#!/usr/bin/env python3
"""oci_image.py LAYER_TAR OUT_DIR NAME: an OCI image layout with one uncompressed layer.

Writes OUT_DIR/{oci-layout,index.json,blobs/sha256/*} for linux/amd64 with Cmd ["sh"]; the
index names the image NAME (io.containerd.image.name) so `ctr images import` tags it.
"""
import hashlib
import json
import os
import shutil
import sys


def blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, 'blobs', 'sha256', digest), 'wb') as f:
        f.write(data)
    return 'sha256:' + digest, len(data)


def main():
    layer_path, out, name = sys.argv[1:4]
    os.makedirs(os.path.join(out, 'blobs', 'sha256'), exist_ok=True)
    with open(layer_path, 'rb') as f:
        layer = f.read()
    layer_digest, layer_size = blob(out, layer)
    config = {
        'architecture': 'amd64', 'os': 'linux',
        'config': {'Cmd': ['sh'], 'Env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']},
        'rootfs': {'type': 'layers', 'diff_ids': [layer_digest]},
    }
    cfg_digest, cfg_size = blob(out, json.dumps(config).encode())
    manifest = {
        'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                   'digest': cfg_digest, 'size': cfg_size},
        'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar',
                    'digest': layer_digest, 'size': layer_size}],
    }
    man_digest, man_size = blob(out, json.dumps(manifest).encode())
    index = {
        'schemaVersion': 2,
        'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                       'digest': man_digest, 'size': man_size,
                       'platform': {'architecture': 'amd64', 'os': 'linux'},
                       'annotations': {'io.containerd.image.name': name,
                                       'org.opencontainers.image.ref.name': 'test'}}],
    }
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump(index, f)
    with open(os.path.join(out, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)


if __name__ == '__main__':
    main()

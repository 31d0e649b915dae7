"""电子印章: each organ's seal (an image and an SM2 key pair), pressed on the issued 正本 as a GB/T 38540-2020
electronic signature (SES_Signature), and checked by anyone holding the file (docs/seal.md)."""

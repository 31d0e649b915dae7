"""The registrar's records: the issue record (登记, 份号, 用印), the 发文稿纸, the print run (印制) and the rules
of 份号. The gate's steps (复核, 登记, 用印, 核发) are part of the issuing workflow: services/workflow/registrar.py."""

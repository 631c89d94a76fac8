"""`python -m distillscope`, which is also what `accelerate launch -m distillscope train ...` runs on each GPU."""

from distillscope.cli.app import main

if __name__ == "__main__":
    main()

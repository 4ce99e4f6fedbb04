"""``plan2cal init``: a plan file from a roadmap guide, a Markdown plan, or a few answers.

guide.py and markdown.py read a source into a draft (draft.py), questions.py makes one from
answers, writer.py writes a draft as commented YAML, start.py ties them to the files.
"""

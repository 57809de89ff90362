"""Fails when a public enum value has no documentation.

doxygen warns about undocumented classes, functions, enums, variables, properties
and signals, but not about the values of a documented enum; this reads its XML
output and reports those. Usage: check_enum_values.py <doxygen xml directory>
"""
import pathlib
import sys
import xml.etree.ElementTree as ElementTree


def text_of(element):
    return ''.join(element.itertext()).strip() if element is not None else ''


def main(xml_dir):
    missing = []
    for path in sorted(pathlib.Path(xml_dir).glob('*.xml')):
        if path.name == 'index.xml':
            continue
        root = ElementTree.parse(path).getroot()
        for enum in root.iter('memberdef'):
            if enum.get('kind') != 'enum' or enum.get('prot') != 'public':
                continue
            location = enum.find('location')
            for value in enum.findall('enumvalue'):
                if text_of(value.find('briefdescription')) or text_of(value.find('detaileddescription')):
                    continue
                where = f"{location.get('file')}:{location.get('line')}" if location is not None else path.name
                missing.append(f"{where}: error: enum value {text_of(enum.find('name'))}::"
                               f"{text_of(value.find('name'))} is not documented.")
    for line in sorted(set(missing)):
        print(line)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
